"""Support networks of students: records, graph, flags, metrics, equity and maps.

A small NetworkX-style library with no web or database imports. Inputs are
the plain records of :mod:`relationships.records`; outputs are plain data.
"""

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
from relationships.metrics import school_measures, sole_anchors, student_measures
from relationships.records import (
    COLUMNS,
    AdultRecord,
    ConditionRecord,
    StaffMarkRecord,
    StudentRecord,
    Tables,
    TeachingRecord,
    TieRecord,
    to_frames,
    validate_tables,
)
from relationships.rules import RULE_SOURCES

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
    "build_support_graph",
    "evaluate",
    "evaluate_flags",
    "evaluate_strengths",
    "flag_matrix",
    "graph_tables",
    "school_measures",
    "school_structure",
    "sole_anchors",
    "staff_mark_ties",
    "student_measures",
    "to_frames",
    "validate_tables",
]
