package org.helu4j.cli;

import org.helu4j.kernel.Vectors;
import picocli.CommandLine.IVersionProvider;

/** {@code infer --version}: the build, the JVM and the vector width in use. */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Version.class.getPackage().getImplementationVersion();
        return new String[] {
            "helu4j " + (v == null ? "dev" : v),
            "JVM " + System.getProperty("java.vm.name") + " " + Runtime.version(),
            "vector width " + Vectors.describe()
        };
    }
}
