package io.pitiserve.worker.cli;

import io.pitiserve.common.cli.CommandLine;
import io.pitiserve.common.image.InvalidInputException;
import io.pitiserve.worker.engine.ModelLoadException;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of {@code pitiserve-worker.jar}: {@code translate} (one job, offline) and
 * {@code serve} (the worker service). The engine benchmark lives in {@code pitiserve-bench.jar}.
 *
 * <p>Exit codes: 0 done, 2 bad command line or bad input (one line on stderr says why), 1 any
 * other failure.
 */
public final class WorkerCommand {

    static final String USAGE = """
            usage: java -jar pitiserve-worker.jar <command> [options]

            commands:
              translate   translate one input with a model directory and write PNGs
                          [--model DIR] [--task mask|sketch|depth] [--input FILE] --out DIR
                          [--seed N] [--num-samples N] [--guidance-scale X] [--guidance cfg|normalized]
                          [--base-steps S] [--sr-steps S] [--eta X]
                          [--sampler ddpm|ddim|dpmpp_2m|dpmpp_2m_logsnr|dpmpp_2m_karras|dpmpp_2m_sde]
                          [--noise DIR] [--save-base] [--device cpu|gpu] [--threads N] [--quiet]
                          [--input-dir DIR]  every DIR/*.png as its own job (seed + N for N.png),
                                             outputs OUT/<name>.png, existing ones skipped
                          [--precision fp32|bf16|fp16]   networks' number type (fp16: GPU only)
                          without --model and --input: the bundled model and example mask
              serve       run the worker service: consume translation requests from Kafka, write
                          results to S3, publish job events (Spring Boot; configure with
                          --spring.kafka.bootstrap-servers=... --pitiserve.s3.endpoint=... or the
                          environment, e.g. PITISERVE_WORKER_MODEL_DIR)
            """;

    private WorkerCommand() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("serve")) {
            // Runs until the process is stopped; its own threads keep the JVM alive.
            io.pitiserve.worker.runtime.WorkerApplication.serve(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        // One-shot commands keep stdout for results: warnings only, on stderr.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "pitiserve/cli-logback.xml");
        }
        int code = run(List.of(args), System.out, System.err);
        System.exit(code);
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        int help = CommandLine.helpExitCode(args, USAGE, out);
        if (help >= 0) {
            return help;
        }
        try {
            return switch (args.get(0)) {
                case "translate" -> new TranslateCommand(out, err).run(args.subList(1, args.size()));
                default -> throw new CommandLine.UsageException("unknown command '" + args.get(0) + "'");
            };
        } catch (CommandLine.UsageException e) {
            err.println("error: " + e.getMessage() + " (see --help)");
            return 2;
        } catch (InvalidInputException e) {
            err.println("error: invalid input (" + e.code() + "): " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (ModelLoadException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("error: " + e);
            err.println(Arrays.toString(e.getStackTrace()));
            return 1;
        }
    }
}
