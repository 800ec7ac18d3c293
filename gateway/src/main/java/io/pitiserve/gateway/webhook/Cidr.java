package io.pitiserve.gateway.webhook;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code fe80::/10}. IPv4 blocks match IPv4
 * addresses only and IPv6 blocks IPv6 addresses only: an IPv4-mapped IPv6 address is matched by
 * the {@code ::ffff:0:0/96} block, never silently by an IPv4 one.
 */
record Cidr(byte[] network, int prefixLength, String text) {

    /**
     * Parses {@code address/bits} (a bare address is a single host).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a CIDR block such as 127.0.0.0/8 is needed, was empty");
        }
        String[] parts = text.strip().split("/", -1);
        if (parts.length > 2 || !parts[0].matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR block such as 10.0.0.0/8 or fd00::/8");
        }
        byte[] bytes;
        try {
            InetAddress address = InetAddress.getByName(parts[0]);
            bytes = address.getAddress();
            if (address instanceof Inet4Address && parts[0].contains(":")) {
                // The JDK turns ::ffff:a.b.c.d into an IPv4 address; the block is meant as IPv6.
                bytes = mapped(bytes);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR block such as 10.0.0.0/8 or fd00::/8");
        }
        int bits = bytes.length * 8;
        if (parts.length == 2) {
            try {
                bits = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0.." + bytes.length * 8);
            }
        }
        return new Cidr(bytes, bits, text.strip());
    }

    static byte[] mapped(byte[] ipv4) {
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(ipv4, 0, v6, 12, 4);
        return v6;
    }

    boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (address[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
