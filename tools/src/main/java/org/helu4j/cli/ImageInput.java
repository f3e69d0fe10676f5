package org.helu4j.cli;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Turns a picture file (PNG, JPEG, BMP, GIF: whatever {@link ImageIO} reads) of any size and colour into one
 * model input: gray levels 0-255 by Rec. 601 luminance, transparent pixels composited over black (the
 * Fashion-MNIST background), then resized by area averaging to the model's H×W, then normalized.
 */
final class ImageInput {
    private ImageInput() {
    }

    /** Reads {@code file} and returns the normalized {@code h × w} gray image. */
    static float[] load(Path file, int h, int w, Preprocessing pre) {
        BufferedImage img = read(file);
        double[] gray = gray(img);
        double[] small = resize(gray, img.getWidth(), img.getHeight(), w, h);
        float[] out = new float[small.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = pre.apply(small[i]);
        }
        return out;
    }

    static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CliException(file + (Files.exists(file) ? ": not a regular file" : ": no such file"));
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new CliException(file + ": cannot decode the image: " + e.getMessage());
        }
        if (img == null) {
            throw new CliException(file + ": not an image this JVM can read (PNG, JPEG, BMP, GIF)");
        }
        if (img.getWidth() < 1 || img.getHeight() < 1) {
            throw new CliException(file + ": the image is empty");
        }
        return img;
    }

    /** Luminance per pixel, row-major, 0-255. Gray pixels keep their exact level. */
    static double[] gray(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            return grayRaster(img);
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        double[] g = new double[w * h];
        for (int i = 0; i < g.length; i++) {
            int p = argb[i];
            int a = p >>> 24;
            int r = (p >> 16) & 0xff;
            int gr = (p >> 8) & 0xff;
            int b = p & 0xff;
            double y = r == gr && gr == b ? r : 0.299 * r + 0.587 * gr + 0.114 * b;
            g[i] = a == 255 ? y : y * a / 255.0;
        }
        return g;
    }

    /**
     * Gray images are read from the raster: {@code getRGB} would pass them through Java's linear-gray colour
     * space and change their levels.
     */
    private static double[] grayRaster(BufferedImage img) {
        Raster r = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        double scale = 255.0 / ((1L << img.getColorModel().getComponentSize(0)) - 1);
        boolean alpha = img.getColorModel().hasAlpha() && r.getNumBands() > 1;
        double alphaScale = alpha ? 1.0 / ((1L << img.getColorModel().getComponentSize(1)) - 1) : 1;
        double[] g = new double[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = r.getSample(x, y, 0) * scale;
                g[y * w + x] = alpha ? v * r.getSample(x, y, 1) * alphaScale : v;
            }
        }
        return g;
    }

    /**
     * Area-averaging resize: each output pixel is the mean of the source area it covers, with fractional edge
     * pixels weighted by coverage. Exact for integer factors (a 2× enlargement shrinks back to the original).
     */
    static double[] resize(double[] src, int sw, int sh, int dw, int dh) {
        if (sw == dw && sh == dh) {
            return src.clone();
        }
        double[] out = new double[dw * dh];
        double fx = (double) sw / dw;
        double fy = (double) sh / dh;
        for (int oy = 0; oy < dh; oy++) {
            double y0 = oy * fy;
            double y1 = y0 + fy;
            for (int ox = 0; ox < dw; ox++) {
                double x0 = ox * fx;
                double x1 = x0 + fx;
                double sum = 0;
                double area = 0;
                for (int y = (int) y0; y < Math.min(Math.ceil(y1), sh); y++) {
                    double wy = Math.min(y + 1, y1) - Math.max(y, y0);
                    for (int x = (int) x0; x < Math.min(Math.ceil(x1), sw); x++) {
                        double wxy = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
                        sum += wxy * src[y * sw + x];
                        area += wxy;
                    }
                }
                out[oy * dw + ox] = area > 0 ? sum / area : 0;
            }
        }
        return out;
    }
}
