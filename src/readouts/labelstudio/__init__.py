"""Label Studio integration: ``convert`` (labeling config and the lossless mapping between our annotations
and Label Studio results, pure functions), ``client`` (the API calls through label-studio-sdk) and
``local`` (a throw-away local server for tests, benchmarks and trying the workflow)."""
