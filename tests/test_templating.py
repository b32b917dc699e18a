"""Cabinet's Jinja environment (cabinet/templating.py, issue 20): printed values are escaped
as markupsafe escapes them, without a `Markup` built per value — the same page, byte for
byte, whatever a value holds."""

import decimal

import pytest
from flask import render_template, render_template_string
from flask.templating import Environment as FlaskEnvironment
from jinja2 import Undefined
from markupsafe import Markup, escape

from cabinet import templating

HOSTILE = "<script>alert('x')</script> & \"d'Arc\" <b>"


class _OwnHtml:
    def __html__(self):
        return "<i>déjà sûr</i>"


@pytest.mark.parametrize(
    "value",
    [
        HOSTILE,
        "",
        "Élodie Müller",
        Markup("<b>déjà</b>"),
        _OwnHtml(),
        42,
        decimal.Decimal("17.20"),
        None,
        ["<a>", 1],
        Undefined(),
    ],
    ids=repr,
)
def test_a_value_is_escaped_as_markupsafe_escapes_it(value):
    assert templating.escaped_text(value) == str(escape(value))
    assert type(templating.escaped_text(value)) in (str, Markup)


# Each construct in which Jinja gathers printed values itself: they must come out as
# Flask's own environment writes them.
CONSTRUCTS = """
{{ hostile }}|{{ number }}|{{ nothing }}|{{ missing_name }}|{{ safe }}|{{ hostile|e }}
{{ hostile|safe }}|{{ hostile ~ "!" }}|{{ "%s"|format(hostile) }}
{% set block %}<p>{{ hostile }}</p>{% endset %}{{ block }}|{{ block|length }}
{% macro cell(text) %}<span>{{ text }}</span>{{ caller() if caller }}{% endmacro %}
{{ cell(hostile) }}{% call cell(hostile) %}<em>{{ hostile }}</em>{% endcall %}
{% filter upper %}{{ hostile }}{% endfilter %}
{% autoescape false %}{{ hostile }}{% endautoescape %}{% autoescape true %}{{ hostile }}{% endautoescape %}
{% for x in [hostile, number] %}{{ loop.index }}:{{ x }}{% endfor %}
"""


def test_the_app_renders_what_flasks_own_environment_renders(app):
    values = {"hostile": HOSTILE, "number": 3, "nothing": None, "safe": Markup("<b>ok</b>")}
    stock = FlaskEnvironment(app, autoescape=app.select_jinja_autoescape)
    with app.test_request_context():
        ours = render_template_string(CONSTRUCTS, **values)
        theirs = stock.from_string(CONSTRUCTS).render(**values)
    assert ours == theirs
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in ours
    assert "<script>" in ours  # |safe and autoescape false, as written


def test_templates_are_compiled_with_the_plain_output(app):
    """Without the environment's code generator the pages would still render the same,
    only slower: this is what says it is in use."""
    assert isinstance(app.jinja_env, templating.Environment)
    source = app.jinja_env.compile("{{ value }}", name="page.html", raw=True)
    assert "environment.escaped_text(" in source
    assert "escape(" not in source.split("\n", 1)[1]  # the import line names it, nothing else
    with app.test_request_context():
        page = render_template("errors/error.html", title="Introuvable", text=HOSTILE)
    assert HOSTILE not in page
    assert str(escape(HOSTILE)) in page
