"""The imports domain answers with plain JSON objects (services.view): an import, its plan and first errors."""
