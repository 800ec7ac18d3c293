package io.pitiserve.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.pitiserve.common.errors.ErrorCode;

import org.junit.jupiter.api.Test;

class ProblemStatusTest {

    private static final Pattern ROW = Pattern.compile("^\\| (\\d{3}) \\| (.+?) \\| .*$", Pattern.MULTILINE);
    private static final Pattern CODE = Pattern.compile("`([a-z]+(?:_[a-z]+)*)`");

    @Test
    void everyCodeInTheReadmesRefusalTableIsOneOfOursAnsweredWithItsDocumentedStatus() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher row = ROW.matcher(readme);
        int checked = 0;
        while (row.find()) {
            int status = Integer.parseInt(row.group(1));
            // The cell names codes; what follows "with" or stands in parentheses names members and parts.
            String codes = row.group(2).replaceAll("\\([^)]*\\)", "").replaceAll(" with .*", "");
            Matcher code = CODE.matcher(codes);
            while (code.find()) {
                ErrorCode known = ErrorCode.fromWire(code.group(1)).orElseThrow(
                        () -> new AssertionError("README documents an unknown code: " + code.group(1)));
                assertThat(ProblemStatus.of(known).value()).as(known.wire()).isEqualTo(status);
                checked++;
            }
        }
        assertThat(checked).as("codes found in the README's table").isGreaterThanOrEqualTo(15);
    }

    @Test
    void theCodeOfAStatusNoHandlerChoseIsOneOfOurCodesAnsweredWithThatStatus() {
        for (int status : new int[] {400, 401, 403, 404, 405, 406, 408, 411, 413, 414, 415, 429, 431, 501, 503, 505}) {
            ErrorCode code = ErrorCode.fromWire(ProblemCodes.forStatus(status)).orElseThrow();
            assertThat(ProblemStatus.of(code).value()).as(code.wire()).isEqualTo(status);
        }
    }
}
