package scope

import "testing"

func TestAddressKind(t *testing.T) {
	for text, public := range map[string]bool{
		"192.168.22.80": false, "10.1.2.3": false, "172.31.255.255": false, "172.32.0.1": true,
		"100.64.0.1": false, "100.128.0.1": true, "fd00::1": false, "fe80::1": false, "127.0.0.1": false,
		"203.0.113.7": true, "2001:db8::1": true, "::ffff:192.168.1.1": false,
	} {
		_, got, ok := addressKind(text)
		if !ok || got != public {
			t.Errorf("addressKind(%s) = public %v ok %v, want public %v", text, got, ok, public)
		}
	}
	if _, _, ok := addressKind("lb.example.com"); ok {
		t.Error("a hostname is not an address")
	}
}

func TestRangeIsPrivate(t *testing.T) {
	for text, want := range map[string]bool{
		"192.168.0.0/16": true, "10.0.0.0/8": true, "10.0.0.0/7": false, "0.0.0.0/0": false,
		"192.168.1.0/24": true, "fd00::/8": true, "::/0": false, "203.0.113.0/24": false, "not-a-cidr": false,
		"172.16.0.0/11": false,
	} {
		if got := RangeIsPrivate(text); got != want {
			t.Errorf("RangeIsPrivate(%s) = %v, want %v", text, got, want)
		}
	}
}
