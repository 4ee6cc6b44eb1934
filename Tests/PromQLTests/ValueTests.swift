import Testing
@testable import PromQL

@Suite struct ValueTypeTests {
    @Test func documentedNamesMatchPrometheusErrors() {
        #expect(ValueType.vector.documented == "instant vector")
        #expect(ValueType.matrix.documented == "range vector")
    }

    @Test func powIsTheOnlyRightAssociativeOperator() {
        #expect(BinaryOp.allCases.filter(\.isRightAssociative) == [.pow])
        #expect(BinaryOp.or.precedence < BinaryOp.and.precedence)
        #expect(BinaryOp.mul.precedence > BinaryOp.add.precedence)
    }
}
