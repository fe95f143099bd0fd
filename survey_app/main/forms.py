from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length


class CodeForm(FlaskForm):
    code = StringField(
        _l("Your code"),
        validators=[InputRequired(message=_l("Please type the code from your letter.")),
                    Length(max=40, message=_l("That is longer than a code. Please check it."))],
        description=_l("It is on your letter, for example ABCD-EFGH-JKMN."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
