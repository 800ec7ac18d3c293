package io.pitiserve.worker.cli;

/** Process-wide settings of the native engine; must run before DJL loads PyTorch. */
public final class NativeRuntime {

    private NativeRuntime() {
    }

    /**
     * DJL offline (libtorch comes from the jar, never from the network) and a fixed number of
     * intra-op threads ({@code threads <= 0}: PyTorch's default).
     */
    public static void configure(int threads) {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.graph_optimizer", "false");
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
