"""The A4 certificate printer: printing and job tracking through CUPS's lp/lpstat (cups),
and a virtual printer that answers them in IPP like cupsd (virtual, ipp)."""
