package scope

import "net/netip"

// cgnat is the shared address space of RFC 6598, used by carrier-grade
// NAT and by overlay VPNs such as Tailscale: not reachable from the
// internet.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// addressKind says whether an IP address is reachable from the internet:
// it returns a description and whether the address is public. ok is false
// for a text that is not an IP address.
func addressKind(text string) (desc string, public, ok bool) {
	addr, err := netip.ParseAddr(text)
	if err != nil {
		return "", false, false
	}
	addr = addr.Unmap()
	switch {
	case addr.IsLoopback():
		return "a loopback address", false, true
	case addr.IsLinkLocalUnicast():
		return "a link-local address", false, true
	case addr.Is6() && addr.IsPrivate():
		return "a unique local address", false, true
	case addr.IsPrivate():
		return "a private address", false, true
	case cgnat.Contains(addr):
		return "a CGNAT address", false, true
	case addr.IsUnspecified() || addr.IsMulticast():
		return "not a unicast address", false, true
	}
	return "a public address", true, true
}

// RangeIsPrivate says whether a CIDR admits only addresses that are not
// reachable from the internet.
func RangeIsPrivate(text string) bool {
	p, err := netip.ParsePrefix(text)
	if err != nil {
		return false
	}
	first := p.Masked().Addr()
	last := lastAddr(p.Masked())
	_, firstPublic, ok1 := addressKind(first.String())
	_, lastPublic, ok2 := addressKind(last.String())
	if !ok1 || !ok2 || firstPublic || lastPublic {
		return false
	}
	// Both ends private is not enough (0.0.0.0/0 spans public space): the
	// range must lie within one non-public block.
	for _, block := range nonPublicBlocks {
		if block.Bits() <= p.Bits() && block.Contains(first) {
			return true
		}
	}
	return false
}

var nonPublicBlocks = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	cgnat, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("fe80::/10"), netip.MustParsePrefix("::1/128"),
}

// lastAddr is the last address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - uint(i%8))
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
