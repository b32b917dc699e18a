"""gunicorn settings for the benchmarks: those of gunicorn.conf.py (sync workers, no control
socket) without its start-up key check, which opens the stores the way app.py does and so
cannot open the benchmark's unencrypted copy."""

worker_class = "sync"
control_socket_disable = True
