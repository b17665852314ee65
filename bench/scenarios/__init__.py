"""One module per benchmark scenario; each exposes ``run(opts) -> ScenarioResult``."""
