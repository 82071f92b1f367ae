import Testing
@testable import TollgateBilling

