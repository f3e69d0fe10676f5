package org.helu4j.op;

import java.util.Map;
import org.helu4j.kernel.Binary;
import org.helu4j.kernel.Trig;
import org.helu4j.op.UnaryOp.Kind;

/**
 * Operator family registration (see OpRegistry): elementwise arithmetic with broadcasting, activations and
 * math functions, comparisons and logic (bools are int64 0/1), Where, and Softmax/LogSoftmax/Hardmax.
 */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

    static void register(Map<String, OpFactory> m) {
        m.put("Add", n -> new BinaryOp(n, Binary.ADD));
        m.put("Sub", n -> new BinaryOp(n, Binary.SUB));
        m.put("Mul", n -> new BinaryOp(n, Binary.MUL));
        m.put("Div", n -> new BinaryOp(n, Binary.DIV));
        m.put("Pow", n -> new BinaryOp(n, Binary.POW));
        m.put("PRelu", n -> new BinaryOp(n, Binary.PRELU));
        m.put("Sum", n -> new ElementwiseVariadicOp(n, Binary.ADD, false));
        m.put("Mean", n -> new ElementwiseVariadicOp(n, Binary.ADD, true));
        m.put("Max", n -> new ElementwiseVariadicOp(n, Binary.MAX, false));
        m.put("Min", n -> new ElementwiseVariadicOp(n, Binary.MIN, false));

        unary(m, "Relu", Kind.RELU);
        unary(m, "LeakyRelu", Kind.LEAKY_RELU);
        unary(m, "Sigmoid", Kind.SIGMOID);
        unary(m, "Tanh", Kind.TANH);
        unary(m, "Erf", Kind.ERF);
        unary(m, "Gelu", Kind.GELU);
        unary(m, "Clip", Kind.CLIP);
        unary(m, "Neg", Kind.NEG);
        unary(m, "Abs", Kind.ABS);
        unary(m, "Exp", Kind.EXP);
        unary(m, "Log", Kind.LOG);
        unary(m, "Sqrt", Kind.SQRT);
        unary(m, "Reciprocal", Kind.RECIPROCAL);
        unary(m, "Floor", Kind.FLOOR);
        unary(m, "Ceil", Kind.CEIL);
        unary(m, "Elu", Kind.ELU);
        unary(m, "Selu", Kind.SELU);
        unary(m, "HardSigmoid", Kind.HARD_SIGMOID);
        unary(m, "Softplus", Kind.SOFTPLUS);
        unary(m, "Softsign", Kind.SOFTSIGN);
        unary(m, "HardSwish", Kind.HARD_SWISH);
        unary(m, "ThresholdedRelu", Kind.THRESHOLDED_RELU);
        unary(m, "Celu", Kind.CELU);
        unary(m, "Shrink", Kind.SHRINK);
        unary(m, "Round", Kind.ROUND);
        unary(m, "Sign", Kind.SIGN);

        trig(m, "Sin", Trig.SIN);
        trig(m, "Cos", Trig.COS);
        trig(m, "Tan", Trig.TAN);
        trig(m, "Asin", Trig.ASIN);
        trig(m, "Acos", Trig.ACOS);
        trig(m, "Atan", Trig.ATAN);
        trig(m, "Sinh", Trig.SINH);
        trig(m, "Cosh", Trig.COSH);
        trig(m, "Asinh", Trig.ASINH);
        trig(m, "Acosh", Trig.ACOSH);
        trig(m, "Atanh", Trig.ATANH);

        scalar(m, "Equal", BinaryScalarOp.Kind.EQUAL);
        scalar(m, "Less", BinaryScalarOp.Kind.LESS);
        scalar(m, "LessOrEqual", BinaryScalarOp.Kind.LESS_OR_EQUAL);
        scalar(m, "Greater", BinaryScalarOp.Kind.GREATER);
        scalar(m, "GreaterOrEqual", BinaryScalarOp.Kind.GREATER_OR_EQUAL);
        scalar(m, "And", BinaryScalarOp.Kind.AND);
        scalar(m, "Or", BinaryScalarOp.Kind.OR);
        scalar(m, "Xor", BinaryScalarOp.Kind.XOR);
        scalar(m, "Mod", BinaryScalarOp.Kind.MOD);
        unary(m, "Not", Kind.NOT);
        m.put("IsNaN", n -> new UnaryPredicateOp(n, true));
        m.put("IsInf", n -> new UnaryPredicateOp(n, false));
        m.put("Where", ElementwiseWhereOp::new);

        m.put("Softmax", n -> new SoftmaxOp(n, SoftmaxOp.Kind.SOFTMAX));
        m.put("LogSoftmax", n -> new SoftmaxOp(n, SoftmaxOp.Kind.LOG_SOFTMAX));
        m.put("Hardmax", n -> new SoftmaxOp(n, SoftmaxOp.Kind.HARDMAX));
    }

    private static void trig(Map<String, OpFactory> m, String name, int fn) {
        m.put(name, n -> new UnaryTrigOp(n, fn));
    }

    private static void scalar(Map<String, OpFactory> m, String name, BinaryScalarOp.Kind kind) {
        m.put(name, n -> new BinaryScalarOp(n, kind));
    }

    private static void unary(Map<String, OpFactory> m, String name, Kind kind) {
        m.put(name, n -> new UnaryOp(n, kind));
    }
}
