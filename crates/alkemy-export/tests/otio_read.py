"""Reads an edit with OpenTimelineIO and prints what it found as JSON.

Usage: python otio_read.py FILE ADAPTER RATE
(ADAPTER: otio_json, cmx_3600 or fcpx_xml). The Rust tests make all the
assertions; this script only reports, independently of Alkemy's code.
"""
import json
import sys

import opentimelineio as otio

path, adapter, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
kwargs = {"rate": rate} if adapter == "cmx_3600" else {}
obj = otio.adapters.read_from_file(path, adapter_name=adapter, **kwargs)
if not isinstance(obj, otio.schema.Timeline):
    obj = next(iter(obj.find_children(descended_from_type=otio.schema.Timeline, shallow_search=False)))


def frames(t):
    return int(round(t.rescaled_to(rate).value))


video = [t for t in obj.tracks if t.kind == otio.schema.TrackKind.Video]
items = []
markers = [m.name for m in obj.tracks.markers]
for item in video[0] if video else []:
    if isinstance(item, otio.schema.Transition):
        items.append({"type": "transition", "in_offset": frames(item.in_offset),
                      "out_offset": frames(item.out_offset), "kind": item.transition_type})
        continue
    markers += [m.name for m in item.markers]
    entry = {"type": "gap" if isinstance(item, otio.schema.Gap) else "clip",
             "name": item.name, "duration": frames(item.source_range.duration),
             "start": frames(item.source_range.start_time)}
    ref = getattr(item, "media_reference", None)
    if ref is not None:
        entry["generator"] = isinstance(ref, otio.schema.GeneratorReference)
        entry["url"] = getattr(ref, "target_url", None)
        if ref.available_range is not None:
            entry["available"] = frames(ref.available_range.duration)
    items.append(entry)

print(json.dumps({
    "name": obj.name,
    "tracks": len(video),
    "items": items,
    "markers": markers,
    "duration": frames(video[0].duration()) if video else 0,
}))
