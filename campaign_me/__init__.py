"""campaign_me: monitoring and evaluation of migration-related information campaigns."""

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

__version__ = "0.1.0"

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
