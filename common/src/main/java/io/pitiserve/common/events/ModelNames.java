package io.pitiserve.common.events;

import java.util.regex.Pattern;

/** Model names become part of a topic name (the model's request lane), so they are kept to what Kafka allows. */
public final class ModelNames {

    /** 1 to 100 of {@code A-Z a-z 0-9 . _ -}, not starting with a dot. */
    public static final String PATTERN = "[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}";

    private static final Pattern VALID = Pattern.compile(PATTERN);

    private ModelNames() {
    }

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** @throws IllegalArgumentException naming the rule when {@code name} breaks it */
    public static String requireValid(String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException("model name '" + name + "' must be 1 to 100 of A-Z a-z 0-9 . _ -"
                    + " (not starting with a dot): it names the model's request lane topic");
        }
        return name;
    }
}
