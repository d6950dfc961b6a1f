"""Times OpenTimelineIO's own writers on our feature timeline, for comparison
with `benches/exports.rs` (best of 5 runs, milliseconds).

Usage: python otio_python.py DIR   (DIR written by the feature_exports example)
"""
import json
import sys
import time

import opentimelineio as otio

timeline = otio.adapters.read_from_file(f"{sys.argv[1]}/timeline.otio")
results = {}
for adapter in ("otio_json", "cmx_3600", "fcpx_xml"):
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        otio.adapters.write_to_string(timeline, adapter_name=adapter)
        best = min(best, time.perf_counter() - start)
    results[adapter] = round(best * 1000, 1)
print(json.dumps(results))
