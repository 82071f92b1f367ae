import Testing
@testable import TollgateEngine

