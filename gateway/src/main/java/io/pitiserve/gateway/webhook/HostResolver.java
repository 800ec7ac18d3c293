package io.pitiserve.gateway.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns a webhook URL's host into addresses. The SSRF guard resolves once, checks every address
 * and connects to the checked one; tests substitute a resolver they control.
 */
@FunctionalInterface
public interface HostResolver {

    /** The host's addresses (an IP literal resolves to itself without a lookup). */
    InetAddress[] resolve(String host) throws UnknownHostException;

    /** The system resolver. */
    static HostResolver system() {
        return InetAddress::getAllByName;
    }
}
