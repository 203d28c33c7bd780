"""Static HTML pages for people: the cleaner's review page and the crawl-health page.

Each is one self-contained file (styles and script inline, no external resource), built from what
the cleaner reports about itself (`scraper.cleaning.explain`) or from what runs wrote (`output/runs/`).
"""
