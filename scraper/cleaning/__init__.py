"""The cleaner: clean article text and metadata from Vietnamese news pages and pre-extracted text."""
