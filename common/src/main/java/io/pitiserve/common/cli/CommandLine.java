package io.pitiserve.common.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The one command-line parser of every piti-serve program (standalone, worker, bench):
 * {@code --name value} / {@code --name=value} options and {@code --flag} switches, checked against
 * what a command accepts. {@code --set key=value} is repeatable where a command accepts {@code set}.
 * A bad command line throws {@link UsageException}: one line, exit code 2.
 */
public final class CommandLine {

    /** The repeatable {@code --set key=value} option. */
    public static final String SET = "set";

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> sets = new ArrayList<>();

    public CommandLine(List<String> args, Set<String> valueOptions, Set<String> flagOptions) {
        for (int k = 0; k < args.size(); k++) {
            String arg = args.get(k);
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String inline = null;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                inline = name.substring(equals + 1);
                name = name.substring(0, equals);
            }
            if (flagOptions.contains(name) && inline == null) {
                flags.add(name);
                continue;
            }
            if (!valueOptions.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
            String value = inline;
            if (value == null) {
                if (k + 1 >= args.size()) {
                    throw new UsageException("option --" + name + " needs a value");
                }
                value = args.get(++k);
            }
            if (name.equals(SET)) {
                if (value.indexOf('=') <= 0) {
                    throw new UsageException("--set needs key=value, got '" + value + "'");
                }
                sets.add(value);
            } else {
                values.put(name, value);
            }
        }
    }

    /**
     * What a program answers before it parses: no arguments, the usage and exit code 2 (a command is
     * needed); {@code help}, {@code --help} or {@code -h}, the usage and 0; otherwise -1 (go on).
     */
    public static int helpExitCode(List<String> args, String usage, PrintStream out) {
        if (args.isEmpty() || args.get(0).equals("help") || asksForHelp(args)) {
            out.print(usage);
            return args.isEmpty() ? 2 : 0;
        }
        return -1;
    }

    /** Whether {@code --help} or {@code -h} is among the arguments. */
    public static boolean asksForHelp(List<String> args) {
        return args.contains("--help") || args.contains("-h");
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public int port(String name, int fallback) {
        int port = integer(name, fallback);
        if (port < 0 || port > 65535) {
            throw new UsageException("--" + name + " must be a port (0 for any free one), got " + port);
        }
        return port;
    }

    public int integer(String name, int fallback) {
        return parsed(name, fallback, Integer::parseInt, "an integer");
    }

    public long longValue(String name, long fallback) {
        return parsed(name, fallback, Long::parseLong, "an integer");
    }

    public double number(String name, double fallback) {
        return parsed(name, fallback, text -> {
            double value = Double.parseDouble(text);
            if (!Double.isFinite(value)) {
                throw new NumberFormatException();
            }
            return value;
        }, "a number");
    }

    /** The value of {@code --name} read by {@code parser}, or {@code fallback} when it is not given. */
    private <T> T parsed(String name, T fallback, Function<String, T> parser, String what) {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return parser.apply(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be " + what + ", got '" + value + "'");
        }
    }

    /** The {@code --set key=value} pairs in command-line order. */
    public Map<String, String> properties() {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String set : sets) {
            int equals = set.indexOf('=');
            properties.put(set.substring(0, equals).strip(), set.substring(equals + 1));
        }
        return properties;
    }

    /** A command line that cannot be run; reported as one line, exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
