"""Support networks of students: input tables, graph, flags, metrics, equity and maps.

A small NetworkX-style library with no web or database imports. Inputs are
the plain tables of :mod:`relationships.input_tables`; outputs are plain data.
"""

from relationships.equity import equity_breakdown, equity_mean, federal_race_category
from relationships.flags import (
    CODES,
    Evaluation,
    Flag,
    FlagRules,
    evaluate,
    evaluate_flags,
    evaluate_strengths,
    flag_matrix,
)
from relationships.graph import (
    build_support_graph,
    graph_tables,
    school_structure,
    staff_mark_ties,
)
from relationships.input_tables import (
    COLUMNS,
    AdultRecord,
    ConditionRecord,
    StaffMarkRecord,
    StudentRecord,
    Tables,
    TeachingRecord,
    TieRecord,
    to_frames,
)
from relationships.maps import ego_map, school_map
from relationships.mentors import suggest_mentors
from relationships.metrics import school_measures, sole_anchors, student_measures
from relationships.reconcile import apply_merges, propose_merges
from relationships.rules import RULE_SOURCES
from relationships.validation import validate_tables

__all__ = [
    "CODES",
    "COLUMNS",
    "RULE_SOURCES",
    "AdultRecord",
    "ConditionRecord",
    "Evaluation",
    "Flag",
    "FlagRules",
    "StaffMarkRecord",
    "StudentRecord",
    "Tables",
    "TeachingRecord",
    "TieRecord",
    "apply_merges",
    "build_support_graph",
    "ego_map",
    "equity_breakdown",
    "equity_mean",
    "evaluate",
    "evaluate_flags",
    "evaluate_strengths",
    "federal_race_category",
    "flag_matrix",
    "graph_tables",
    "propose_merges",
    "school_map",
    "school_measures",
    "school_structure",
    "sole_anchors",
    "staff_mark_ties",
    "student_measures",
    "suggest_mentors",
    "to_frames",
    "validate_tables",
]
