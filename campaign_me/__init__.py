"""campaign_me: monitoring and evaluation of migration-related information campaigns."""

from .design import SurveyDesign
from .errors import (
    CampaignMeError,
    ColumnError,
    ConvergenceError,
    DataError,
    DesignError,
    IntakeError,
    LonelyPSUError,
    PowerError,
    SamplingError,
    WeightingError,
)

__version__ = "0.1.0"

__all__ = [
    "SurveyDesign",
    "CampaignMeError",
    "ColumnError",
    "ConvergenceError",
    "DataError",
    "DesignError",
    "IntakeError",
    "LonelyPSUError",
    "PowerError",
    "SamplingError",
    "WeightingError",
    "__version__",
]
