"""What importing the library loads: the metrics stay free of image, XML and progress-bar code."""

import json
import subprocess
import sys


def loaded_by(statement: str) -> set[str]:
    """Modules in ``sys.modules`` after running ``statement`` in a fresh interpreter."""
    code = f"{statement}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_metrics_loads_no_pil_tqdm_xml_or_shapes():
    metrics = loaded_by("import imgprep_course.metrics")
    # numba may load xml.dom itself (through coverage, when installed): what it loads
    # alone is not ours
    baseline = loaded_by("import numba, numpy")
    ours = metrics - baseline
    assert "imgprep_course.metrics.coco" in metrics
    for prefix in ("PIL", "tqdm", "xml", "imgprep_course.datasets.shapes",
                   "imgprep_course.datasets.voc", "imgprep_course.datasets.imagenet",
                   "matplotlib", "ipywidgets", "argparse"):
        found = sorted(m for m in ours if m == prefix or m.startswith(prefix + "."))
        assert not found, f"import imgprep_course.metrics loads {found}"


def test_datasets_names_still_resolve_on_first_use():
    statement = ("import imgprep_course.datasets as d; "
                 "assert d.make_shapes.__module__.startswith('imgprep_course.datasets.shapes'); "
                 "assert d.masks.__name__ == 'imgprep_course.datasets.masks'; "
                 "assert set(d.__all__) <= set(dir(d))")
    assert any(m.startswith("imgprep_course.datasets.shapes") for m in loaded_by(statement))
