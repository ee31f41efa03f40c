package dev.redsaga.spring.web;

import dev.redsaga.client.BranchAnswer;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** A {@link BranchAnswer} as Spring MVC's response: its status and DTM's JSON body. */
public final class BranchResponses {
    private BranchResponses() {
    }

    public static ResponseEntity<String> of(BranchAnswer answer) {
        return ResponseEntity.status(answer.status()).contentType(MediaType.APPLICATION_JSON).body(answer.body());
    }
}
