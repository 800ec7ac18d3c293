package io.pitiserve.worker.engine;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.pitiserve.worker.engine.noise.SeededNoise;

import java.util.ArrayList;
import java.util.List;

/**
 * The generator of a single-pass model (docs/MODEL_FORMAT.md, "Single-pass models"): one forward
 * makes every sample of a job, no diffusion. Sample {@code i} of a job with seed {@code s} draws its
 * noise from {@code SeededNoise(s, NOISE_STREAM, i)}, so a seed fixes the job's images and the
 * samples of one job differ.
 */
public final class SinglePassNetwork implements AutoCloseable {

    /** The noise stream of single-pass generators (diffusion stages use 0 and 1). */
    static final int NOISE_STREAM = 7;

    private final ModelManifest.Generator spec;
    private final Model network;
    private final ParameterStore parameters;
    private final NetworkGate gate;

    SinglePassNetwork(ModelManifest.Generator spec, Model network, NetworkGate gate) {
        this.spec = spec;
        this.network = network;
        this.gate = gate;
        this.parameters = new ParameterStore(network.getNDManager(), false);
    }

    public ModelManifest.Generator spec() {
        return spec;
    }

    /**
     * Makes the request's samples in one forward: the condition repeated per sample, and each
     * sample's noise.
     *
     * @throws ModelLoadException when the network returns another shape than the manifest says
     */
    public TranslationResult generate(TranslationRequest request) {
        int samples = request.numSamples();
        int perRef = request.ref().length;
        float[] refs = new float[samples * perRef];
        for (int i = 0; i < samples; i++) {
            System.arraycopy(request.ref(), 0, refs, i * perRef, perRef);
        }
        int perNoise = spec.noisePerSample();
        long started = System.nanoTime();
        gate.enter();
        try (NDManager manager = NDManager.newBaseManager(network.getNDManager().getDevice())) {
            NDList inputs = new NDList(manager.create(refs,
                    new Shape(samples, request.channels(), request.size(), request.size())));
            if (perNoise > 0) {
                float[] z = new float[samples * perNoise];
                for (int i = 0; i < samples; i++) {
                    new SeededNoise(request.seed(), NOISE_STREAM, i).fill(0, z, i * perNoise, perNoise);
                }
                long[] shape = new long[spec.noise().size() + 1];
                shape[0] = samples;
                for (int d = 0; d < spec.noise().size(); d++) {
                    shape[d + 1] = spec.noise().get(d);
                }
                inputs.add(manager.create(z, new Shape(shape)));
            }
            NDArray out = network.getBlock().forward(parameters, inputs, false).singletonOrThrow();
            int r = spec.resolution();
            if (!out.getShape().equals(new Shape(samples, 3, r, r))) {
                throw new ModelLoadException("generator " + spec.network() + " returned " + out.getShape()
                        + ", expected (" + samples + ", 3, " + r + ", " + r + ")");
            }
            float[] pixels = out.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            double forwardMs = (System.nanoTime() - started) / 1e6;
            int perImage = 3 * r * r;
            List<float[]> images = new ArrayList<>(samples);
            for (int i = 0; i < samples; i++) {
                float[] image = new float[perImage];
                System.arraycopy(pixels, i * perImage, image, 0, perImage);
                images.add(image);
            }
            // The one forward is reported as the job's base stage: one step, no encoder, no upsampler.
            return new TranslationResult(images, r, List.of(), 0,
                    new TranslationResult.Timings(0, forwardMs, 0, 1, 0, forwardMs));
        } finally {
            gate.exit();
        }
    }

    @Override
    public void close() {
        network.close();
    }
}
