"""What a crawl keeps on disk: the seen-article state, the dataset files and the run manifests."""
