package io.pitiserve.worker.engine;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.pitiserve.worker.engine.schedule.BetaSchedule;
import io.pitiserve.worker.engine.schedule.RespacedSchedule;
import io.pitiserve.worker.engine.schedule.Spacing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One stage of a loaded model: its encoder and decoder networks, its noise schedule and defaults.
 *
 * <p>The unconditional encoding (the encoder applied to an all-ones input) is the same for every
 * job, so it is computed once per stage and copied into each job that needs it.
 *
 * <p>Networks in reduced precision have the same float32 interface as the float32 ones: the files
 * cast their inputs to their own type and their outputs back (DJL 0.36 cannot cast a tensor to
 * bf16 itself), so nothing here depends on the precision.
 */
public final class Stage implements AutoCloseable {

    private final StageKind kind;
    private final ModelManifest.StageSpec spec;
    private final ModelManifest.Input input;
    private final Model encoder;
    private final Model decoder;
    private final BetaSchedule betaSchedule;
    private final ParameterStore parameters;
    private final Precision precision;
    private final NetworkGate gate;
    private final Map<String, RespacedSchedule> schedules = new ConcurrentHashMap<>();
    private Encoding unconditional;

    Stage(StageKind kind, ModelManifest.StageSpec spec, ModelManifest.Input input, Model encoder, Model decoder,
          Precision precision, NetworkGate gate) {
        this.precision = precision;
        this.gate = gate;
        this.kind = kind;
        this.spec = spec;
        this.input = input;
        this.encoder = encoder;
        this.decoder = decoder;
        this.betaSchedule = spec.schedule().toBetaSchedule();
        this.parameters = new ParameterStore(decoder.getNDManager(), false);
    }

    public StageKind kind() {
        return kind;
    }

    public ModelManifest.StageSpec spec() {
        return spec;
    }

    /** Output resolution of the stage in pixels. */
    public int resolution() {
        return spec.resolution();
    }

    /** The respaced schedule for {@code respacing}, cached per string. */
    public RespacedSchedule schedule(String respacing) {
        return schedule(respacing, Spacing.UNIFORM);
    }

    /** As many steps as {@code respacing} keeps, placed by {@code spacing}; cached per pair. */
    public RespacedSchedule schedule(String respacing, Spacing spacing) {
        return schedules.computeIfAbsent(spacing.label() + ":" + respacing,
                key -> RespacedSchedule.of(betaSchedule, respacing, spacing));
    }

    /**
     * Runs the condition encoder on {@code ref} [B, C, R, R]; the outputs are attached to the
     * manager of {@code ref}.
     */
    public Encoding encode(NDArray ref) {
        NDList out = forward(encoder.getBlock(), new NDList(ref));
        if (out.size() != 2) {
            throw new ModelLoadException(kind.label() + " encoder returned " + out.size()
                    + " outputs, expected (xf_proj, xf_out)");
        }
        return new Encoding(out.get(0), out.get(1));
    }

    /** Runs the decoder on one prepared batch; the output is attached to the manager of the first input. */
    public NDArray decode(NDList inputs) {
        return forward(decoder.getBlock(), inputs).singletonOrThrow();
    }

    /** The number type the networks of this stage compute in. */
    public Precision precision() {
        return precision;
    }

    /**
     * A copy of the unconditional encoding attached to {@code manager}; the encoder runs on the
     * all-ones input the first time only.
     */
    public synchronized Encoding unconditional(NDManager manager) {
        if (unconditional == null) {
            NDManager owner = decoder.getNDManager();
            NDArray ones = owner.ones(new ai.djl.ndarray.types.Shape(1, input.channels(), input.size(), input.size()));
            unconditional = encode(ones);
            ones.close();
        }
        NDArray proj = unconditional.xfProj().duplicate();
        NDArray out = unconditional.xfOut().duplicate();
        proj.attach(manager);
        out.attach(manager);
        return new Encoding(proj, out);
    }

    /** A forward through the model's gate: the networks stay alive until it returns. */
    private NDList forward(Block block, NDList inputs) {
        gate.enter();
        try {
            return block.forward(parameters, inputs, false);
        } finally {
            gate.exit();
        }
    }

    @Override
    public void close() {
        encoder.close();
        decoder.close();
    }
}
