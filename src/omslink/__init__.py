"""omslink: the ERP side of an ERP <-> OMS integration."""
