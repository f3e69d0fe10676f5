package org.helu4j.op;

import java.util.Map;
import org.helu4j.graph.Node;
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

    /** The op types of this family. */
    private static final String[] TYPES = {"Add", "Sub", "Mul", "Div", "Pow", "PRelu", "Sum", "Mean", "Max", "Min",
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Erf", "Gelu", "Clip", "Neg", "Abs", "Exp", "Log", "Sqrt",
        "Reciprocal", "Floor", "Ceil", "Elu", "Selu", "HardSigmoid", "Softplus", "Softsign", "HardSwish",
        "ThresholdedRelu", "Celu", "Shrink", "Round", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh",
        "Cosh", "Asinh", "Acosh", "Atanh", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or",
        "Xor", "Mod", "Not", "IsNaN", "IsInf", "Where", "Softmax", "LogSoftmax", "Hardmax"};

    // One factory for the family, rather than a lambda per op: each lambda costs a generated class at startup.
    static void register(Map<String, OpFactory> m) {
        for (String type : TYPES) {
            m.put(type, ElementwiseOps::create);
        }
    }

    private static Op create(Node n) {
        return switch (n.opType()) {
            case "Add" -> new BinaryOp(n, Binary.ADD);
            case "Sub" -> new BinaryOp(n, Binary.SUB);
            case "Mul" -> new BinaryOp(n, Binary.MUL);
            case "Div" -> new BinaryOp(n, Binary.DIV);
            case "Pow" -> new BinaryOp(n, Binary.POW);
            case "PRelu" -> new BinaryOp(n, Binary.PRELU);
            case "Sum" -> new ElementwiseVariadicOp(n, Binary.ADD, false);
            case "Mean" -> new ElementwiseVariadicOp(n, Binary.ADD, true);
            case "Max" -> new ElementwiseVariadicOp(n, Binary.MAX, false);
            case "Min" -> new ElementwiseVariadicOp(n, Binary.MIN, false);

            case "Relu" -> new UnaryOp(n, Kind.RELU);
            case "LeakyRelu" -> new UnaryOp(n, Kind.LEAKY_RELU);
            case "Sigmoid" -> new UnaryOp(n, Kind.SIGMOID);
            case "Tanh" -> new UnaryOp(n, Kind.TANH);
            case "Erf" -> new UnaryOp(n, Kind.ERF);
            case "Gelu" -> new UnaryOp(n, Kind.GELU);
            case "Clip" -> new UnaryOp(n, Kind.CLIP);
            case "Neg" -> new UnaryOp(n, Kind.NEG);
            case "Abs" -> new UnaryOp(n, Kind.ABS);
            case "Exp" -> new UnaryOp(n, Kind.EXP);
            case "Log" -> new UnaryOp(n, Kind.LOG);
            case "Sqrt" -> new UnaryOp(n, Kind.SQRT);
            case "Reciprocal" -> new UnaryOp(n, Kind.RECIPROCAL);
            case "Floor" -> new UnaryOp(n, Kind.FLOOR);
            case "Ceil" -> new UnaryOp(n, Kind.CEIL);
            case "Elu" -> new UnaryOp(n, Kind.ELU);
            case "Selu" -> new UnaryOp(n, Kind.SELU);
            case "HardSigmoid" -> new UnaryOp(n, Kind.HARD_SIGMOID);
            case "Softplus" -> new UnaryOp(n, Kind.SOFTPLUS);
            case "Softsign" -> new UnaryOp(n, Kind.SOFTSIGN);
            case "HardSwish" -> new UnaryOp(n, Kind.HARD_SWISH);
            case "ThresholdedRelu" -> new UnaryOp(n, Kind.THRESHOLDED_RELU);
            case "Celu" -> new UnaryOp(n, Kind.CELU);
            case "Shrink" -> new UnaryOp(n, Kind.SHRINK);
            case "Round" -> new UnaryOp(n, Kind.ROUND);
            case "Sign" -> new UnaryOp(n, Kind.SIGN);

            case "Sin" -> new UnaryTrigOp(n, Trig.SIN);
            case "Cos" -> new UnaryTrigOp(n, Trig.COS);
            case "Tan" -> new UnaryTrigOp(n, Trig.TAN);
            case "Asin" -> new UnaryTrigOp(n, Trig.ASIN);
            case "Acos" -> new UnaryTrigOp(n, Trig.ACOS);
            case "Atan" -> new UnaryTrigOp(n, Trig.ATAN);
            case "Sinh" -> new UnaryTrigOp(n, Trig.SINH);
            case "Cosh" -> new UnaryTrigOp(n, Trig.COSH);
            case "Asinh" -> new UnaryTrigOp(n, Trig.ASINH);
            case "Acosh" -> new UnaryTrigOp(n, Trig.ACOSH);
            case "Atanh" -> new UnaryTrigOp(n, Trig.ATANH);

            case "Equal" -> new BinaryScalarOp(n, BinaryScalarOp.Kind.EQUAL);
            case "Less" -> new BinaryScalarOp(n, BinaryScalarOp.Kind.LESS);
            case "LessOrEqual" -> new BinaryScalarOp(n, BinaryScalarOp.Kind.LESS_OR_EQUAL);
            case "Greater" -> new BinaryScalarOp(n, BinaryScalarOp.Kind.GREATER);
            case "GreaterOrEqual" -> new BinaryScalarOp(n, BinaryScalarOp.Kind.GREATER_OR_EQUAL);
            case "And" -> new BinaryScalarOp(n, BinaryScalarOp.Kind.AND);
            case "Or" -> new BinaryScalarOp(n, BinaryScalarOp.Kind.OR);
            case "Xor" -> new BinaryScalarOp(n, BinaryScalarOp.Kind.XOR);
            case "Mod" -> new BinaryScalarOp(n, BinaryScalarOp.Kind.MOD);
            case "Not" -> new UnaryOp(n, Kind.NOT);
            case "IsNaN" -> new UnaryPredicateOp(n, true);
            case "IsInf" -> new UnaryPredicateOp(n, false);
            case "Where" -> new ElementwiseWhereOp(n);

            case "Softmax" -> new SoftmaxOp(n, SoftmaxOp.Kind.SOFTMAX);
            case "LogSoftmax" -> new SoftmaxOp(n, SoftmaxOp.Kind.LOG_SOFTMAX);
            case "Hardmax" -> new SoftmaxOp(n, SoftmaxOp.Kind.HARDMAX);
            default -> throw new AssertionError("ElementwiseOps lists " + n.opType() + " but has no factory for it");
        };
    }
}
