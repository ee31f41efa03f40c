package dev.redsaga.spring.web;

import dev.redsaga.client.barrier.BranchBarrier;
import dev.redsaga.protocol.BranchDeadline;
import java.util.HashMap;
import java.util.Map;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.server.ResponseStatusException;

/**
 * Gives a controller method's {@link BranchBarrier} parameter from the branch request: {@code gid},
 * {@code trans_type}, {@code branch_id} and {@code op} from the query, the deadline from its header. A request
 * without them (not from a coordinator) is answered 400, saying which is missing.
 */
public final class BranchBarrierArgumentResolver implements HandlerMethodArgumentResolver {

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == BranchBarrier.class;
    }

    @Override
    public BranchBarrier resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
            NativeWebRequest request, WebDataBinderFactory binderFactory) {
        Map<String, String> query = new HashMap<>();
        for (String name : new String[] {"gid", "trans_type", "branch_id", "op"}) {
            query.put(name, request.getParameter(name));
        }
        try {
            return BranchBarrier.from(query, request.getHeader(BranchDeadline.HEADER));
        } catch (IllegalArgumentException e) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "not a branch request of a coordinator: "
                    + e.getMessage());
        }
    }
}
