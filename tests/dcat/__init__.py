"""DCAT-AP test support: our own shapes for the mandatory properties, and a typed pyshacl boundary."""
