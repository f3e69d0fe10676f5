package org.helu4j.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A short, deterministic fuzz run of the loader (and of one run of every model that loads). The long run, with
 * the same generator and more cases: {@code tools/reliability/run.sh fuzz}.
 */
class LoaderFuzzTest {
    static final int CASES = 2_500;
    static final long SEED = 20261129;

    @Test
    void mutatedModelsLoadOrFailWithAModelFormatException() throws Exception {
        Fuzzer fuzzer = new Fuzzer(Fuzzer.defaultSeeds(Path.of("."), 10));
        // 30 s per case: only a real hang can reach it, even on a slow, busy machine.
        FuzzCampaign c = FuzzCampaign.run(fuzzer, SEED, CASES, 30_000, null);
        System.out.println("loader fuzz: " + fuzzer.seeds().size() + " seed models, " + c.summary());
        assertEquals(CASES, c.cases());
        assertTrue(c.findings().isEmpty(), c.summary());
        // The generator must reach every outcome, or it is not testing what it claims to.
        for (Fuzzer.Kind k : new Fuzzer.Kind[] {Fuzzer.Kind.RAN, Fuzzer.Kind.RUN_REJECTED, Fuzzer.Kind.FORMAT_ERROR,
            Fuzzer.Kind.UNSUPPORTED}) {
            assertTrue(c.counts().getOrDefault(k, 0) > 0, "no case ended " + k + ": " + c.counts());
        }
    }
}
