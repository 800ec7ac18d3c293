package io.pitiserve.worker.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Turns libtorch's NNPACK convolutions off on a CPU where NNPACK cannot start.
 *
 * <p>libtorch asks whether NNPACK is available before every CPU convolution, and where its
 * initialisation fails (some virtual CPUs report no cache sizes: "Unsupported hardware") it logs a
 * warning each time it asks: about 70 lines on stderr per demo job, tens of thousands in a
 * benchmark. With NNPACK turned off in libtorch's global context it no longer asks; convolutions
 * take the paths they took anyway, since NNPACK was not there. Where NNPACK works it stays on.
 *
 * <p>The engine has no call for this, so it goes to libtorch's C++ functions
 * ({@code at::globalContext()}, {@code at::Context::setUserEnabledNNPACK(bool)}) through JNA, by
 * their Itanium C++ ABI names, in the {@code libtorch_cpu} the PyTorch engine has loaded. The probe
 * itself logs the warning once. Anything missing (another platform, a libtorch without these
 * symbols) leaves libtorch as it is.
 */
public final class Nnpack {

    private static final Logger LOG = LoggerFactory.getLogger(Nnpack.class);

    private static final String LIBRARY = "libtorch_cpu.so";
    private static final String GLOBAL_CONTEXT = "_ZN2at13globalContextEv";
    private static final String AVAILABLE = "_ZN2at6native17_nnpack_availableEv";
    private static final String SET_ENABLED = "_ZN2at7Context20setUserEnabledNNPACKEb";
    private static final String ENABLED = "_ZNK2at7Context17userEnabledNNPACKEv";

    /** What {@link #turnOffWhereUnavailable()} found. */
    public enum Outcome {
        /** NNPACK works on this CPU and stays on. */
        AVAILABLE,
        /** NNPACK cannot start here and is now off. */
        TURNED_OFF,
        /** No loaded libtorch_cpu with these functions: nothing was changed. */
        UNSUPPORTED
    }

    private static Outcome outcome;

    private Nnpack() {
    }

    /**
     * Probes NNPACK once per process, after the PyTorch engine has loaded libtorch; later calls
     * return the first outcome.
     */
    public static synchronized Outcome turnOffWhereUnavailable() {
        if (outcome == null) {
            outcome = loadedLibtorch().map(Nnpack::apply).orElse(Outcome.UNSUPPORTED);
            LOG.debug("NNPACK: {}", outcome);
        }
        return outcome;
    }

    /** Whether libtorch's global context has NNPACK on, or empty where it cannot be asked. */
    static Optional<Boolean> enabled() {
        return loadedLibtorch().flatMap(library -> {
            try {
                Pointer context = library.getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
                return Optional.of(cppBool(library.getFunction(ENABLED).invokeInt(new Object[] {context})));
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                return Optional.empty();
            }
        });
    }

    private static Outcome apply(NativeLibrary library) {
        try {
            Function setEnabled = library.getFunction(SET_ENABLED);
            Pointer context = library.getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
            if (cppBool(library.getFunction(AVAILABLE).invokeInt(new Object[0]))) {
                return Outcome.AVAILABLE;
            }
            setEnabled.invokeVoid(new Object[] {context, 0});
            return Outcome.TURNED_OFF;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return Outcome.UNSUPPORTED;
        }
    }

    /** A C++ {@code bool} comes back in the low byte of the return register; the rest is undefined. */
    private static boolean cppBool(int returned) {
        return (returned & 0xff) != 0;
    }

    /** The libtorch_cpu this process has mapped (the engine's), found in /proc/self/maps. */
    private static Optional<NativeLibrary> loadedLibtorch() {
        List<String> maps;
        try {
            maps = Files.readAllLines(Path.of("/proc/self/maps"));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        for (String line : maps) {
            int slash = line.indexOf('/');
            if (slash >= 0 && line.endsWith("/" + LIBRARY)) {
                try {
                    return Optional.of(NativeLibrary.getInstance(line.substring(slash)));
                } catch (UnsatisfiedLinkError e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
