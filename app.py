from cabinet import create_app

app = create_app()
