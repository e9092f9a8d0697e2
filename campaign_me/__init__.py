"""campaign_me: monitoring and evaluation of migration-related information campaigns."""

from . import diagnose, evaluation, monitoring, plots, power, regression, sampling, trial, weighting
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
from .intake import load_survey
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
