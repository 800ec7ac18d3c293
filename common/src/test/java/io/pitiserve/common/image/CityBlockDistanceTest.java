package io.pitiserve.common.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CityBlockDistanceTest {

    @Test
    void distancesOnASmallGridMatchAHandComputedTable() {
        // 5 x 4 grid, edges at (1, 0) and (4, 3).
        boolean[] edge = new boolean[20];
        edge[0 * 5 + 1] = true;
        edge[3 * 5 + 4] = true;

        int[] d = CityBlockDistance.transform(edge, 5, 4);

        assertThat(d).containsExactly(
                1, 0, 1, 2, 3,
                2, 1, 2, 3, 2,
                3, 2, 3, 2, 1,
                4, 3, 2, 1, 0);
    }

    @Test
    void pathsAroundCornersInBothPassesAreFound() {
        // A lone edge in the bottom-right corner must reach the top-left corner (needs the backward pass).
        boolean[] edge = new boolean[3 * 3];
        edge[8] = true;

        assertThat(CityBlockDistance.transform(edge, 3, 3)).containsExactly(4, 3, 2, 3, 2, 1, 2, 1, 0);
    }

    @Test
    void withoutEdgesEveryDistanceIsUnbounded() {
        assertThat(CityBlockDistance.transform(new boolean[6], 3, 2)).containsOnly(Integer.MAX_VALUE);
    }

    @Test
    void randomGridsAgreeWithABruteForceSearch() {
        Random random = new Random(42);
        for (int trial = 0; trial < 50; trial++) {
            int width = 1 + random.nextInt(12);
            int height = 1 + random.nextInt(12);
            boolean[] edge = new boolean[width * height];
            for (int i = 0; i < edge.length; i++) {
                edge[i] = random.nextInt(10) == 0;
            }
            edge[random.nextInt(edge.length)] = true;

            int[] d = CityBlockDistance.transform(edge, width, height);

            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int best = Integer.MAX_VALUE;
                    for (int ey = 0; ey < height; ey++) {
                        for (int ex = 0; ex < width; ex++) {
                            if (edge[ey * width + ex]) {
                                best = Math.min(best, Math.abs(ex - x) + Math.abs(ey - y));
                            }
                        }
                    }
                    assertThat(d[y * width + x]).as("trial %d pixel (%d, %d)", trial, x, y).isEqualTo(best);
                }
            }
        }
    }
}
