package io.pitiserve.standalone.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports for servers that need their port before they bind (Kafka's quorum address). */
public final class FreePorts {

    private FreePorts() {
    }

    /**
     * A port nobody listens on right now on {@code host}. Another process may take it before it
     * is used; acceptable for a local process and tests.
     */
    public static int pick(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }
}
