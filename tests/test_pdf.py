"""PDF rendering: real WeasyPrint output, read back as text; no network fetches."""

import io

from pypdf import PdfReader

from circle.pdf import html_to_pdf


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_page_renders_with_dutch_text_and_the_stylesheet(app):
    html = """<!doctype html><html lang="nl"><head>
      <link rel="stylesheet" href="/static/css/circle.css"></head>
      <body><h1>80 tips voor gemeenten</h1>
      <p>Café-overleg: één loket, €5</p></body></html>"""
    with app.test_request_context():
        pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "80 tips voor gemeenten" in text and "één loket, €5" in text


def test_rendering_never_fetches_outside_static(app, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("h1::after { content: 'GEHEIM'; }")
    html = f"""<html><head><link rel="stylesheet" href="file://{secret}">
      <link rel="stylesheet" href="/static/../config.py">
      <link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>
      <body><h1>Titel</h1>
      <img src="http://127.0.0.1:9/p.png" alt="foto"></body></html>"""
    with app.test_request_context():
        text = _text(html_to_pdf(html))
    assert "Titel" in text and "GEHEIM" not in text
