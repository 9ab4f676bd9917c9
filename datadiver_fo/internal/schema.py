"""Field names and constants shared by every DataDiver feature.

The loader writes these fields; every later feature (embeddings, OoD, prompts,
customisation, export, the App panel) reads them by these names. Keep them
stable: teammates' saved views refer to them.
"""

# --- per-sample fields written by the loader ---------------------------------
GROUND_TRUTH = "ground_truth"  # fo.Classification, label = readable class name
WNID = "wnid"  # str, WordNet id of the class folder (e.g. "n02085620")
HYPERNYMS = "hypernyms"  # list[str], names of all WordNet ancestors
CORRUPTION = "corruption"  # str, e.g. "gaussian_noise"; "clean" when uncorrupted
CORRUPTION_FAMILY = "corruption_family"  # noise | blur | weather | digital | extra | clean
SEVERITY = "severity"  # int 1..5; 0 for clean images
SOURCE_ID = "source_id"  # str, file name without extension; shared by all variants

# --- tags ---------------------------------------------------------------------
TAG_C = "tiny-imagenet-c"
TAG_TRAIN = "train"
TAG_VAL = "val"
TAG_MISSING_LABEL = "missing_label"

CLEAN = "clean"

# --- corruption vocabulary (used when discovering folders on disk) ---------------
CORRUPTION_FAMILIES = {
    "gaussian_noise": "noise",
    "shot_noise": "noise",
    "impulse_noise": "noise",
    "defocus_blur": "blur",
    "glass_blur": "blur",
    "motion_blur": "blur",
    "zoom_blur": "blur",
    "snow": "weather",
    "frost": "weather",
    "fog": "weather",
    "brightness": "weather",
    "contrast": "digital",
    "elastic_transform": "digital",
    "pixelate": "digital",
    "jpeg_compression": "digital",
    "speckle_noise": "extra",
    "gaussian_blur": "extra",
    "spatter": "extra",
    "saturate": "extra",
}
FAMILIES = ("noise", "blur", "weather", "digital", "extra", "clean")
STANDARD_CORRUPTIONS = tuple(c for c, f in CORRUPTION_FAMILIES.items() if f != "extra")
EXTRA_CORRUPTIONS = tuple(c for c, f in CORRUPTION_FAMILIES.items() if f == "extra")
SEVERITIES = (1, 2, 3, 4, 5)


def corruption_family(corruption):
    """Returns the family of a corruption name.

    Args:
        corruption: a corruption folder name such as ``"gaussian_noise"``, or
            ``"clean"``

    Returns:
        one of ``noise``, ``blur``, ``weather``, ``digital``, ``extra``,
        ``clean``, or ``"other"`` for a folder name this table does not know
    """
    if corruption == CLEAN:
        return CLEAN
    return CORRUPTION_FAMILIES.get(corruption, "other")


# --- fields added by later features (names are the SDK's contract) ---------------
EMBEDDINGS = "embeddings"  # the default (shared) embeddings VectorField
PREDICTIONS = "predictions"  # fo.Classification from the probe ensemble
OOD_SCORE = "ood_score"  # float in [0, 1]
OOD_KNN = "ood_knn"  # float, mean kNN distance
OOD_BAND = "ood_band"  # "low" | "mid" | "high"
LABEL_ISSUE = "label_issue"  # bool
LABEL_QUALITY = "label_quality"  # float, higher is cleaner
SUGGESTED_LABEL = "suggested_label"  # fo.Classification
EXCLUDED = "excluded"  # bool, fine-grained exclusion from the customised subset
LABEL_HISTORY = "label_history"  # list of previous labels

# Namespace for views and runs the bundle creates
VIEW_PREFIX = "datadiver/"
