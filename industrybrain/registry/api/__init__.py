"""The registry REST API: regions, parks, industries, the digital-economy classification, enterprises."""
