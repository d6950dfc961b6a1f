"""Reads a PDF with pypdf (images decoded by Pillow) and prints pages, images
per page and text as JSON.

Usage: python pdf_read.py FILE. The Rust tests make all the assertions.
"""
import json
import sys

from pypdf import PdfReader

reader = PdfReader(sys.argv[1])
pages = []
for page in reader.pages:
    images = page.images
    pages.append({
        "images": len(images),
        "image_sizes": [[img.image.width, img.image.height] for img in images],
        # Decoding proves the image data is readable; one pixel proves it is right.
        "probes": [list(img.image.convert("RGB").getpixel((20, 5)))
                   if img.image.width > 20 and img.image.height > 5 else None
                   for img in images],
        "text": page.extract_text(),
        "width": float(page.mediabox.width),
        "height": float(page.mediabox.height),
    })
print(json.dumps({"pages": pages, "title": (reader.metadata or {}).get("/Title")}))
