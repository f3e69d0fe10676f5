package org.helu4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoadToFirstTest {
    @Test
    void warmUpGoesOnWhileLoadsStillGetFaster() {
        assertFalse(LoadToFirst.settled(List.of(9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0)), "fewer than 10");
        assertFalse(LoadToFirst.settled(List.of(40.0, 40.0, 38.0, 39.0, 41.0, 20.0, 5.0, 2.0, 1.0, 1.0)));
        assertTrue(LoadToFirst.settled(List.of(1.1, 1.0, 1.2, 0.9, 1.0, 1.0, 1.0, 0.9, 1.1, 1.0)));
    }

    @Test
    void statsAreMedianMinMax() {
        LoadToFirst.Stat s = LoadToFirst.Stat.of(new double[] {5, 1, 3, 2});
        assertEquals(2.5, s.median());
        assertEquals(1, s.min());
        assertEquals(5, s.max());
    }
}
