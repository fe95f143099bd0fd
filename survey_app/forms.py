"""Forms more than one blueprint shows: the code box of the home page and of the survey's
sign-in page (a blueprint never imports another blueprint, so they live here).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

EXAMPLE_CODE = "\u2066ABCD\u2011EFGH\u2011JKMN\u2069"


class CodeForm(FlaskForm):
    code = StringField(
        _l("Your code"),
        validators=[InputRequired(message=_l("Please type the code from your letter.")),
                    Length(max=40, message=_l("That is longer than a code. Please check it."))],
        # Isolated and unbreakable, so it reads the same inside right-to-left text.
        description=_l("It is on your letter, for example %(example)s.", example=EXAMPLE_CODE),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
