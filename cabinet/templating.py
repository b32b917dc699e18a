"""Cabinet's Jinja environment: Flask's, with each printed value escaped without building a
`Markup` for it (issue 20).

With autoescaping, Jinja compiles `{{ value }}` to `escape(value)`: markupsafe escapes the
text in C, then wraps the result in a `Markup` through `Markup.__new__`, a Python-level
constructor — about a tenth of a day view that prints some 800 values, wrapped only to be
joined into the page at once. `escaped_text` escapes exactly as markupsafe does (the same C
function, `__html__` honoured) and returns the plain text. Only an output node's value
changes: whatever Jinja itself gathers into markup (`{% set %}` blocks, macros, filter
blocks, `caller()`) is still wrapped by Jinja, and `|e`, `Markup` and every filter are
markupsafe's own. tests/test_templating.py holds the rendering to markupsafe's.
"""

from flask.templating import Environment as FlaskEnvironment
from jinja2.compiler import CodeGenerator
from markupsafe import _escape_inner


def escaped_text(value) -> str:
    """What `str(markupsafe.escape(value))` gives, without the `Markup` in between."""
    if type(value) is str:
        return _escape_inner(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


class _PlainOutput(CodeGenerator):
    def _output_child_pre(self, node, frame, finalize) -> None:
        # Jinja writes "escape(" here when autoescaping is on at compile time, and a test
        # of the context when it may change while rendering (volatile): keep that case.
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            self.write("environment.escaped_text(")
            if finalize.src is not None:
                self.write(finalize.src)
            return
        super()._output_child_pre(node, frame, finalize)


class Environment(FlaskEnvironment):
    code_generator_class = _PlainOutput
    escaped_text = staticmethod(escaped_text)
