package io.pitiserve.worker.engine;

import io.pitiserve.common.digest.Sha256;
import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A loaded model directory (docs/MODEL_FORMAT.md): the manifest and both stages' networks on one
 * device, or for a single-pass model its one generator network ({@link #singlePass()}). Loaded once,
 * shared by every job, closed on shutdown; every forward passes its {@link NetworkGate}.
 */
public final class PitiModel implements AutoCloseable {

    static final JsonMapper MANIFEST_MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final ModelManifest manifest;
    private final Stage base;
    private final Stage upsampler;
    private final SinglePassNetwork generator;
    private final Device device;
    private final Precision precision;
    private final NetworkGate gate;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PitiModel(ModelManifest manifest, Stage base, Stage upsampler, SinglePassNetwork generator, Device device,
                      Precision precision, NetworkGate gate) {
        this.gate = gate;
        this.manifest = manifest;
        this.base = base;
        this.upsampler = upsampler;
        this.generator = generator;
        this.device = device;
        this.precision = precision;
    }

    /**
     * Loads {@code directory}: reads model.json, checks every network file's sha256, loads the
     * four TorchScript networks on the configured device.
     *
     * @throws ModelLoadException naming the file and the problem
     */
    public static PitiModel load(Path directory, EngineOptions options) {
        ModelManifest manifest = readManifest(directory);
        if (manifest.singlePass()) {
            return loadSinglePass(directory, manifest, options);
        }
        Precision precision = options.precision();
        List<ModelManifest.Networks> networks = new ArrayList<>(2);
        for (ModelManifest.StageSpec spec : List.of(manifest.stages().base(), manifest.stages().upsampler())) {
            ModelManifest.Networks files = spec.networks(precision);
            if (files == null) {
                throw new ModelLoadException("model " + manifest.name() + " in " + directory + " has no "
                        + precision.label() + " networks; add them with `python -m piti_tools.precision --model DIR "
                        + "--precision " + precision.label() + "` (tools/README.md) or run it in fp32");
            }
            networks.add(files);
        }
        if (options.verifySha256()) {
            List<String> files = new ArrayList<>();
            for (ModelManifest.Networks stage : networks) {
                files.add(stage.encoder());
                files.add(stage.decoder());
            }
            verifyChecksums(directory, manifest, files);
        }
        Device device = startEngine(options);
        Stage base = null;
        NetworkGate gate = NetworkGate.open("model " + manifest.name() + "@" + manifest.version());
        try {
            base = loadStage(directory, manifest, StageKind.BASE, manifest.stages().base(), networks.get(0), device,
                    precision, gate);
            Stage upsampler = loadStage(directory, manifest, StageKind.UPSAMPLER, manifest.stages().upsampler(),
                    networks.get(1), device, precision, gate);
            return new PitiModel(manifest, base, upsampler, null, device, precision, gate);
        } catch (RuntimeException e) {
            gate.close();
            if (base != null) {
                base.close();
            }
            throw e;
        }
    }

    /** A single-pass model: its generator network, in float32 whatever the configured precision. */
    private static PitiModel loadSinglePass(Path directory, ModelManifest manifest, EngineOptions options) {
        String file = manifest.generator().network();
        if (options.verifySha256()) {
            verifyChecksums(directory, manifest, List.of(file));
        }
        Device device = startEngine(options);
        NetworkGate gate = NetworkGate.open("model " + manifest.name() + "@" + manifest.version());
        try {
            SinglePassNetwork generator = new SinglePassNetwork(manifest.generator(),
                    loadNetwork(directory, manifest, file, device), gate);
            return new PitiModel(manifest, null, null, generator, device, Precision.FP32, gate);
        } catch (RuntimeException e) {
            gate.close();
            throw e;
        }
    }

    private static Device startEngine(EngineOptions options) {
        Device device = options.djlDevice();
        GpuProbe.quietUnlessGpu(device);
        NativeAllocator.keepFreedMemory();
        Engine engine = Engine.getEngine("PyTorch");
        Nnpack.turnOffWhereUnavailable();
        if (device.isGpu() && engine.getGpuCount() <= device.getDeviceId()) {
            throw new ModelLoadException("device " + options.device() + " requested but "
                    + engine.getGpuCount() + " GPU(s) are visible to the PyTorch engine");
        }
        return device;
    }

    /** Reads and checks {@code directory}/model.json without loading any network. */
    public static ModelManifest readManifest(Path directory) {
        Path file = directory.resolve("model.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException("no model.json in " + directory + " - is this a model directory?");
        }
        try {
            return parseManifest(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the bytes of a model.json found at {@code origin} (named in the error).
     *
     * @throws ModelLoadException naming what is wrong with it
     */
    public static ModelManifest parseManifest(byte[] json, String origin) {
        try {
            return MANIFEST_MAPPER.readValue(json, ModelManifest.class);
        } catch (JacksonException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            throw new ModelLoadException("cannot read " + origin + ": " + cause.getMessage(), e);
        }
    }

    private static void verifyChecksums(Path directory, ModelManifest manifest, List<String> files) {
        for (String file : files) {
            String expected = manifest.sha256().get(file);
            if (expected == null) {
                throw new ModelLoadException("model.json has no sha256 for " + file);
            }
            String actual = sha256(directory.resolve(file));
            if (!actual.equalsIgnoreCase(expected)) {
                throw new ModelLoadException("checksum mismatch for " + directory.resolve(file)
                        + ": model.json says " + expected + ", the file has " + actual);
            }
        }
    }

    static String sha256(Path file) {
        try {
            return Sha256.hex(file);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Stage loadStage(Path directory, ModelManifest manifest, StageKind kind,
                                   ModelManifest.StageSpec spec, ModelManifest.Networks files, Device device,
                                   Precision precision, NetworkGate gate) {
        Model encoder = loadNetwork(directory, manifest, files.encoder(), device);
        try {
            Model decoder = loadNetwork(directory, manifest, files.decoder(), device);
            return new Stage(kind, spec, manifest.input(), encoder, decoder, precision, gate);
        } catch (RuntimeException e) {
            encoder.close();
            throw e;
        }
    }

    private static Model loadNetwork(Path directory, ModelManifest manifest, String relative, Device device) {
        Path file = directory.resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException("network file " + file + " is missing");
        }
        String fileName = file.getFileName().toString();
        String name = fileName.endsWith(".pt") ? fileName.substring(0, fileName.length() - 3) : fileName;
        Model model = Model.newInstance(manifest.name() + "/" + relative, device, "PyTorch");
        try {
            model.load(file.getParent(), name);
            return model;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new ModelLoadException("cannot load TorchScript network " + file + ": " + e.getMessage(), e);
        }
    }

    public ModelManifest manifest() {
        return manifest;
    }

    public Device device() {
        return device;
    }

    /** The number type the networks run in. */
    public Precision precision() {
        return precision;
    }

    /** The base stage; null for a single-pass model. */
    public Stage base() {
        return base;
    }

    /** Whether this is a single-pass model, whose {@link #generator()} makes a job's images in one forward. */
    public boolean singlePass() {
        return generator != null;
    }

    /** The generator of a single-pass model; null for a diffusion model. */
    public SinglePassNetwork generator() {
        return generator;
    }

    /** The upsampler stage; null for a single-pass model. */
    public Stage upsampler() {
        return upsampler;
    }

    public Stage stage(StageKind kind) {
        return kind == StageKind.BASE ? base : upsampler;
    }

    /**
     * Runs native work on this model's tensors (a step, an encoding, a decode to pixels) inside its
     * gate, so that the networks and the process outlive it.
     *
     * @throws WorkerStoppingException when the model is closed
     */
    public <T> T guarded(Supplier<T> work) {
        gate.enter();
        try {
            return work.get();
        } finally {
            gate.exit();
        }
    }

    /**
     * Refuses later forwards, waits until none runs on these networks, then frees them: no network is
     * freed under a running forward, whatever the order in which a worker's parts stop.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        gate.close();
        if (generator != null) {
            generator.close();
        } else {
            base.close();
            upsampler.close();
        }
    }
}
