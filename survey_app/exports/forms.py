"""Upload and download forms for district data staff."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField


class RosterUploadForm(FlaskForm):
    package = FileField(
        _l("OneRoster file (ZIP)"),
        description=_l("The ZIP your student information system exports in OneRoster 1.1 or 1.2."),
        validators=[FileRequired(message=_l("Please choose the ZIP file.")),
                    FileAllowed(["zip"], message=_l("Please choose a .zip file."))],
        render_kw={"accept": ".zip,application/zip"},
    )
    extra = FileField(
        _l("Extra student data (CSV, optional)"),
        description=_l("One row per student, keyed by sourcedId: english_learner, disability, "
                       "econ_disadvantaged, consent (consented, opted_out or no_answer)."),
        validators=[FileAllowed(["csv"], message=_l("Please choose a .csv file."))],
        render_kw={"accept": ".csv,text/csv"},
    )


class ContextUploadForm(FlaskForm):
    csv_file = FileField(
        _l("Context data (CSV)"),
        description=_l("One row per student and term: sourcedId, term, attendance_rate, "
                       "assignment_completion, grade_average."),
        validators=[FileRequired(message=_l("Please choose the CSV file.")),
                    FileAllowed(["csv"], message=_l("Please choose a .csv file."))],
        render_kw={"accept": ".csv,text/csv"},
    )
    dry_run = BooleanField(_l("Only check the file and show what would change"))


class ExportForm(FlaskForm):
    """One download button; the view fills the school choices."""

    fmt = SelectField(_l("Format"), choices=[
        SelectChoice("csv", _l("CSV (Excel, Google Sheets)")),
        SelectChoice("xlsx", _l("Excel workbook (XLSX)")),
        SelectChoice("graphml", _l("GraphML (network tools)"))])
    school = SelectField(_l("School"), choices=[])
    #: Open and closed windows; a window sent that is not one of them (purged or not
    #: open yet since the page was shown) is refused by the view with a message.
    wave = SelectField(_l("Survey window"), choices=[], validate_choice=False)
    deidentify = BooleanField(_l("Leave out names and ids (for research)"))
