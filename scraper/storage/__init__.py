"""What a crawl keeps on disk: the seen-article state, the dataset files, the run manifests and the WARC archive."""
