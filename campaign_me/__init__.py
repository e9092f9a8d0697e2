"""campaign_me: monitoring and evaluation of migration-related information campaigns.

The names below are imported on first use (PEP 562), so ``import campaign_me`` stays fast: a
command such as ``campaign-me --help`` or a notebook that needs only the codebook does not pay for
pandas, SciPy and statsmodels up front. ``campaign_me.SurveyDesign`` (or ``from campaign_me import
SurveyDesign``) imports :mod:`campaign_me.design` then; every submodule (``campaign_me.plots``) is
reachable as an attribute the same way.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# the public names of the root namespace and the module that defines each
_NAMES = {
    "SurveyDesign": "design",
    "Codebook": "codebook",
    "load_survey": "intake",
    "validate_survey": "intake",
    "find_pii": "privacy",
    "adjust_nonresponse": "weighting",
    "calibrate": "weighting",
    "design_weights": "weighting",
    "effective_sample_size": "weighting",
    "poststratify": "weighting",
    "rake": "weighting",
    "trim_weights": "weighting",
    "weight_summary": "weighting",
    "compute_indicators": "indicators",
    "compare_rounds": "indicators",
    "load_catalogue": "indicators",
    "load_logframe": "logframe",
    "tracking_table": "logframe",
    "CampaignMeError": "errors",
    "ColumnError": "errors",
    "ConvergenceError": "errors",
    "DataError": "errors",
    "DesignError": "errors",
    "EstimationWarning": "errors",
    "IntakeError": "errors",
    "LonelyPSUError": "errors",
    "PowerError": "errors",
    "SamplingError": "errors",
    "WeightingError": "errors",
}

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports on first use
    from . import (
        contrasts,
        diagnose,
        evaluation,
        indicators,
        logframe,
        monitoring,
        plots,
        power,
        regression,
        sampling,
        scales,
        trial,
        weighting,
    )
    from .codebook import Codebook
    from .design import SurveyDesign
    from .errors import (
        CampaignMeError,
        ColumnError,
        ConvergenceError,
        DataError,
        DesignError,
        EstimationWarning,
        IntakeError,
        LonelyPSUError,
        PowerError,
        SamplingError,
        WeightingError,
    )
    from .indicators import compare_rounds, compute_indicators, load_catalogue
    from .intake import load_survey, validate_survey
    from .logframe import load_logframe, tracking_table
    from .privacy import find_pii
    from .weighting import (
        adjust_nonresponse,
        calibrate,
        design_weights,
        effective_sample_size,
        poststratify,
        rake,
        trim_weights,
        weight_summary,
    )

__all__ = [
    "SurveyDesign",
    "Codebook",
    "load_survey",
    "validate_survey",
    "find_pii",
    "monitoring",
    "plots",
    "diagnose",
    "evaluation",
    "regression",
    "trial",
    "power",
    "sampling",
    "weighting",
    "adjust_nonresponse",
    "calibrate",
    "design_weights",
    "effective_sample_size",
    "poststratify",
    "rake",
    "trim_weights",
    "weight_summary",
    "contrasts",
    "indicators",
    "logframe",
    "scales",
    "compute_indicators",
    "compare_rounds",
    "load_catalogue",
    "load_logframe",
    "tracking_table",
    "CampaignMeError",
    "ColumnError",
    "ConvergenceError",
    "DataError",
    "DesignError",
    "EstimationWarning",
    "IntakeError",
    "LonelyPSUError",
    "PowerError",
    "SamplingError",
    "WeightingError",
    "__version__",
]


def _is_submodule(name: str) -> bool:
    """A module or package of campaign_me (not a data folder such as ``notebooks/``)."""
    spec = importlib.util.find_spec(f"{__name__}.{name}")
    return spec is not None and spec.origin is not None


def __getattr__(name: str) -> Any:
    """Import a public name or a submodule on first use, then keep it in the namespace."""
    if name in _NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
    elif name.startswith("_") or not _is_submodule(name):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    else:
        value = importlib.import_module(f"{__name__}.{name}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
